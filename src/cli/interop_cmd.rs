//! Other tools' formats: `import --format …`, `export --format …`.

use super::transfer::{ExportArgs, ExportFormat, ImportArgs, ImportFormat};
use super::unlock::Context;
use super::{CliError, CliResult};

pub fn import(_ctx: &Context, _a: &ImportArgs, _format: ImportFormat, _json: bool) -> CliResult {
    Err(CliError::Usage("format import is not built yet".into()))
}

pub fn export(_ctx: &Context, _a: &ExportArgs, _format: ExportFormat, _json: bool) -> CliResult {
    Err(CliError::Usage("format export is not built yet".into()))
}
