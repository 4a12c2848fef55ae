//! Exchange between offices by file: office identities, bundles (format, export, import),
//! acknowledgements. Knows nothing of terminals.
