"""Readers of outside formats, field mapping and coordinate fixes (no Qt).

The entry points are :func:`read_file` and :func:`import_file` (see :mod:`.importer`);
:mod:`.crs` converts GCJ-02/BD-09 web-map coordinates to WGS84, :mod:`.encoding` detects the text
encoding of legacy Shapefiles and CSVs.
"""

from fireriskmap.io.base import ReadPart, ReadResult
from fireriskmap.io.importer import (ImportSummary, KindSummary, data_centre_lonlat, import_file, list_layers,
                                     read_file, supported_extensions)

__all__ = ["read_file", "import_file", "list_layers", "data_centre_lonlat", "supported_extensions",
           "ReadResult", "ReadPart", "ImportSummary", "KindSummary"]
