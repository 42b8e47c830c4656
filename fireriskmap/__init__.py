"""fireriskmap: a desktop GIS for township winter-spring fire prevention campaigns (冬春火灾防控)."""

__version__ = "0.1.0"
