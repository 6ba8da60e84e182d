"""Anonymous quiz results and the awareness indicator built from them."""
