"""ipwatch: data quality and progress bulletins for IP strong-city / strong-county plans."""

__version__ = "0.1.0"
