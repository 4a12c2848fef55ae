//! Bundles between offices: `import FILE`, `export --to OFFICE`, `office …`, `conflicts …`.

use super::transfer::{ExportArgs, ImportArgs};
use super::unlock::Context;
use super::{CliError, CliResult};

pub fn import(_ctx: &Context, _a: &ImportArgs, _json: bool) -> CliResult {
    Err(CliError::Usage("bundle import is not built yet".into()))
}

pub fn export(_ctx: &Context, _a: &ExportArgs, _json: bool) -> CliResult {
    Err(CliError::Usage("bundle export is not built yet".into()))
}
