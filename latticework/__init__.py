"""latticework: defence-cooperation reporting → coded, sourced events → an alliance network."""

__version__ = "0.1.0"
