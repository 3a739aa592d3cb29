"""Import and export: other tools' Bayesian-network files to scenario YAML, and back.

Reading lives in `language.formats` (so `model.load` takes network files as they are); this
package writes: the importer's YAML (`importing`, through the serializer `yaml_out`), and one
writer per format (`writers`), each name a format does not allow mapped reversibly
(`names`), with a warning for whatever a file does not keep (`export`). Neither imports pgmpy.
"""

from __future__ import annotations

from ..language.formats import IMPORT_FORMATS, ImportFormat, read_network
from .export import EXPORT_FORMATS, ExportFormat, export_network, export_scenario
from .importing import Converted, Imported, import_network

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "Converted", "ExportFormat", "ImportFormat",
           "Imported", "export_network", "export_scenario", "import_network", "read_network"]
