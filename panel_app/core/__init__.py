"""The whole behaviour of Partnership Panel, with no Qt anywhere below here."""
