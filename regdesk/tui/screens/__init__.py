"""The desk's screens, one module each, in the order of the regulation's Table 2."""
