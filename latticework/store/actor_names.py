"""Names of the non-state actor codes the ontology uses (states are named by pycountry)."""

ORGANISATIONS = {
    "NATO": "North Atlantic Treaty Organization",
    "EU": "European Union",
    "ASEAN": "Association of Southeast Asian Nations",
    "UN": "United Nations",
    "AU": "African Union",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "SCO": "Shanghai Cooperation Organisation",
    "CSTO": "Collective Security Treaty Organization",
    "GCC": "Gulf Cooperation Council",
}

GROUPINGS = {
    "QUAD": "Quadrilateral Security Dialogue",
    "IP4": "Indo-Pacific Four",
    "AUKUS": "Australia, United Kingdom and United States partnership",
    "G7": "Group of Seven",
    "G20": "Group of Twenty",
    "TSCF": "Trilateral Security Cooperation Framework",
    "BRICS": "BRICS",
}
