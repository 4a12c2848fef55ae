"""Regenerates assets/ftm_model.json from the followthemoney package (MIT licence):
    .venv-interop/bin/python assets/ftm_model.py > assets/ftm_model.json
Liaison embeds this summary of the FtM model (schemata, their properties with types, ranges
and reverse "stub" flags, required properties, type length limits, country codes) so that
FtM import can tell an unknown property from one it merely does not support, and FtM export
can stay valid without Python."""
import json

import followthemoney
from followthemoney import model
from followthemoney.types import registry

schemata = {}
for s in sorted(model.schemata.values(), key=lambda s: s.name):
    props = {}
    for p in sorted(s.properties.values(), key=lambda p: p.name):
        if p.schema is not s:
            continue
        fmt = getattr(p, "format", None) or ""
        entry = [p.type.name, p.range.name if p.range is not None else "", "stub" if p.stub else "", fmt]
        while entry and entry[-1] == "":
            entry.pop()
        props[p.name] = entry
    schemata[s.name] = {
        "abstract": s.abstract,
        "extends": [e.name for e in s.extends],
        "required": sorted(s.required),
        "props": props,
        # A relationship's two ends (FtM "edge"), and the properties that name an entity.
        "edge": [s.edge_source, s.edge_target] if s.edge_source and s.edge_target else [],
        "caption": list(s.caption),
    }
print(json.dumps({
    "version": followthemoney.__version__,
    "max_length": {t.name: t.max_length for t in registry.types},
    "countries": sorted(registry.country.names.keys()),
    "schemata": schemata,
}, separators=(",", ":"), sort_keys=True))
