//! Files from other tools: import, export, the command line and the fuzz corpora.
//! One test binary for the group, so CI links the library once rather than once a file.

mod common;
mod exchange_support;
mod interop_common;

#[path = "interop/fuzz_corpus.rs"]
mod fuzz_corpus;
#[path = "interop/fuzz_corpus_interop.rs"]
mod fuzz_corpus_interop;
#[path = "interop/interop_cli.rs"]
mod interop_cli;
#[path = "interop/interop_export.rs"]
mod interop_export;
#[path = "interop/interop_ftm_roundtrip.rs"]
mod interop_ftm_roundtrip;
#[path = "interop/interop_import.rs"]
mod interop_import;
#[path = "interop/interop_misp_roundtrip.rs"]
mod interop_misp_roundtrip;
#[path = "interop/interop_misp_shapes.rs"]
mod interop_misp_shapes;
#[path = "interop/interop_stix_roundtrip.rs"]
mod interop_stix_roundtrip;
