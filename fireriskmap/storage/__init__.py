"""The project file: one GeoPackage with the layers and the project's own tables."""

from fireriskmap.storage.gpkg import read_project, write_project, is_project_file

__all__ = ["read_project", "write_project", "is_project_file"]
