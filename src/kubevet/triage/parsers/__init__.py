"""One parser per input kind; ``detect`` splits an input into parts and picks a parser for each."""
