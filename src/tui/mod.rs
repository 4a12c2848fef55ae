//! The analyst's workbench: a ratatui + crossterm application over the store.

use crate::store::Store;

/// Runs the workbench on an unlocked store until the analyst quits.
pub fn run(_store: Store) -> anyhow::Result<()> {
    anyhow::bail!("the workbench is not built yet")
}
