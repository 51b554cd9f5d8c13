"""The release number, in a leaf module so that exported files can record it without
importing the package's top level."""

__version__ = "0.1.0"
