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
        // From the counters the write path keeps (counters.rs), not from scans of the store.
        let counters = crate::store::counters::read(&self.conn)?;
        let counter = |name: &str| counters.get(name).copied().unwrap_or(0);
        for (name, &n) in &counters {
            let Some(schema) = name.strip_prefix("kind:").map(str::to_owned) else { continue };
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
        s.statements = counter("statements");
        s.conflicts = counter("conflicts");
        s.commits = counter("commits");
        s.ops = counter("ops");
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

/// "1 device", "3 devices", "0 devices": a count with its noun in the right number.
pub fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Stats {
    /// The counts as `liaison stats` prints them, one line each, every noun in the number its
    /// count needs and every kind by its label (a face prints these lines; store text in the
    /// kind table is still the caller's to make terminal-safe).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            [
                counted(self.entities, "entity", "entities"),
                counted(self.links, "link", "links"),
                counted(self.cases, "case", "cases"),
                counted(self.notes, "note", "notes"),
                counted(self.statements, "statement", "statements"),
                counted(self.conflicts, "conflict", "conflicts"),
            ]
            .join(" · "),
            [
                counted(self.commits, "commit", "commits"),
                counted(self.ops, "op", "ops"),
                counted(self.devices, "device", "devices"),
            ]
            .join(" · "),
        ];
        let o = &self.outcomes;
        lines.push(format!(
            "joint operations: {} planned, {} executed · {} · {} disrupted",
            o.operations_planned,
            o.operations_executed,
            counted(o.arrests, "arrest", "arrests"),
            counted(o.networks_disrupted, "network", "networks"),
        ));
        let sh = &self.sharing;
        lines.push(format!(
            "sharing: {} · {} · {} sent, {} received, {} acknowledged · response time {}",
            counted(sh.offices, "office", "offices"),
            counted(sh.shared_cases, "shared case", "shared cases"),
            counted(sh.bundles_sent, "bundle", "bundles"),
            sh.bundles_received,
            sh.bundles_acknowledged,
            sh.response_time
                .as_ref()
                .map_or_else(|| "not measured yet".to_owned(), |r| super::human_seconds(r.median_seconds)),
        ));
        for (kind, n) in &self.by_kind {
            let label = Schema::builtin().kind(kind).map_or(kind.as_str(), |k| k.label.as_str());
            lines.push(format!("  {label:<16} {n:>10}"));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        let mut s = Stats { devices: 1, entities: 1, conflicts: 0, ..Stats::default() };
        s.by_kind.insert("UnknownLink".into(), 1);
        let text = s.lines().join("\n");
        for singular in
            ["1 entity ·", "1 device", "0 conflicts", "0 arrests", "0 networks disrupted", "0 offices"]
        {
            assert!(text.contains(singular), "{singular:?} in {text}");
        }
        assert!(!text.contains("1 devices") && !text.contains("1 entities"), "{text}");
        assert!(text.contains("Other link") && !text.contains("UnknownLink"), "{text}");
        s.devices = 2;
        s.sharing.bundles_sent = 1;
        let text = s.lines().join("\n");
        assert!(text.contains("2 devices") && text.contains("1 bundle sent"), "{text}");
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
