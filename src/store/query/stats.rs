//! Counts of what the store holds, and the task force's own measures of success: joint
//! operations coordinated and executed, arrests, networks disrupted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::schema::{Category, Schema};
use crate::store::{Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Outcomes {
    pub operations_planned: i64,
    pub operations_executed: i64,
    pub arrests: i64,
    pub networks_disrupted: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Stats {
    pub entities: i64,
    pub links: i64,
    pub cases: i64,
    pub notes: i64,
    pub sources: i64,
    pub statements: i64,
    pub conflicts: i64,
    pub commits: i64,
    pub ops: i64,
    pub devices: i64,
    /// Live records by kind.
    pub by_kind: BTreeMap<String, i64>,
    pub outcomes: Outcomes,
    /// Exchange with other offices, and the sharing response time (the task force's headline
    /// measure): from writing a bundle to importing the bundle that acknowledges it.
    pub sharing: crate::store::offices::SharingStats,
}

impl Store {
    pub fn stats(&self) -> Result<Stats> {
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let mut s = Stats::default();
        let mut stmt = self.conn.prepare(
            "SELECT schema, count(*) FROM object WHERE schema <> '' AND deleted = 0 GROUP BY schema",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (schema, n) = row?;
            match Schema::builtin().kind(&schema).map(|k| k.category) {
                Ok(Category::Entity) => s.entities += n,
                Ok(Category::Link) if schema != "CaseMember" => s.links += n,
                _ => {}
            }
            match schema.as_str() {
                "Case" => s.cases = n,
                "Note" => s.notes = n,
                "Source" => s.sources = n,
                _ => {}
            }
            s.by_kind.insert(schema, n);
        }
        s.statements = count("SELECT count(*) FROM stmt WHERE live = 1 AND prop NOT LIKE '$%'")?;
        s.conflicts = count("SELECT count(*) FROM conflict")?;
        s.commits = count("SELECT count(*) FROM commit_log")?;
        s.ops = count("SELECT coalesce(sum(held), 0) FROM commit_ops")?;
        s.devices = count("SELECT count(*) FROM device")?;
        s.outcomes = self.outcomes()?;
        s.sharing = self.sharing_stats()?;
        Ok(s)
    }

    /// Outcomes of joint operations, from their status, arrests and disruption fields.
    pub fn outcomes(&self) -> Result<Outcomes> {
        let mut o = Outcomes::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.prop, s.value FROM object op JOIN stmt s ON s.obj = op.n
             WHERE op.schema = 'Operation' AND op.deleted = 0 AND s.live = 1
               AND s.prop IN ('status', 'arrests', 'networkDisrupted')",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            match row? {
                (p, v) if p == "status" && v == "planned" => o.operations_planned += 1,
                (p, v) if p == "status" && v == "executed" => o.operations_executed += 1,
                (p, v) if p == "arrests" => o.arrests += v.parse::<i64>().unwrap_or(0),
                (p, v) if p == "networkDisrupted" && v == "yes" => o.networks_disrupted += 1,
                _ => {}
            }
        }
        Ok(o)
    }
}

/// The bytes one table or index takes in the database file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TableSpace {
    pub name: String,
    pub bytes: i64,
    pub pages: i64,
}

impl Store {
    /// Where the disk goes: bytes per table and index, largest first (reads every page's
    /// header: seconds on a large store, for maintenance rather than the workbench).
    pub fn space_by_table(&self) -> Result<Vec<TableSpace>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, sum(pgsize), count(*) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC",
        )?;
        let rows =
            stmt.query_map([], |r| Ok(TableSpace { name: r.get(0)?, bytes: r.get(1)?, pages: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
