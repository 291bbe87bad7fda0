"""The one SQL run on one engine: raw rows → stages in order → the output tables."""
