//! How much of an FtM file survives Liaison, by id: the entities of the original found again
//! in an export (same id, same schema), and the property values of the original found again
//! on the same entity under the same property. `benches/fidelity_ftm.rs` prints it for the
//! shared real files; `tests/interop_ftm_roundtrip.rs` holds it to the targets
//! (≥ 99 % of entities, ≥ 98 % of property values).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::ImportError;
use super::ftm_shape::{self, Raw, Unwrapped};
use super::input::Input;

/// What survived, counted over the original file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fidelity {
    pub entities: u64,
    pub entities_kept: u64,
    pub values: u64,
    pub values_kept: u64,
    /// Values not found again, by "Schema.property".
    pub lost: BTreeMap<String, u64>,
}

impl Fidelity {
    pub fn entities_share(&self) -> f64 {
        share(self.entities_kept, self.entities)
    }

    pub fn values_share(&self) -> f64 {
        share(self.values_kept, self.values)
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 1.0 } else { part as f64 / whole as f64 }
}

type Entity = (String, HashMap<String, HashSet<String>>);

fn each_entity(input: &dyn Input, f: &mut dyn FnMut(String, Entity)) -> Result<(), ImportError> {
    let shape = ftm_shape::shape(input)?;
    ftm_shape::each(input, shape, &mut |Raw { value, .. }| {
        let Ok(value) = value else { return Ok(()) };
        let Unwrapped::Entity(obj) = ftm_shape::unwrap(value) else { return Ok(()) };
        let (Some(id), Some(schema)) =
            (obj.get("id").and_then(Value::as_str), obj.get("schema").and_then(Value::as_str))
        else {
            return Ok(());
        };
        let props = obj
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let values = v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned);
                (k.clone(), values.collect())
            })
            .collect();
        f(id.to_owned(), (schema.to_owned(), props));
        Ok(())
    })
}

/// Compares `original` with `exported` (both FtM files, any shape).
pub fn measure(original: &dyn Input, exported: &dyn Input) -> Result<Fidelity, ImportError> {
    let mut out: HashMap<String, Entity> = HashMap::new();
    each_entity(exported, &mut |id, e| {
        out.insert(id, e);
    })?;
    let mut fid = Fidelity::default();
    each_entity(original, &mut |id, (schema, props)| {
        fid.entities += 1;
        let found = out.get(&id).filter(|(s, _)| *s == schema);
        fid.entities_kept += u64::from(found.is_some());
        for (prop, values) in props {
            for v in values {
                fid.values += 1;
                if found.and_then(|(_, p)| p.get(&prop)).is_some_and(|vs| vs.contains(&v)) {
                    fid.values_kept += 1;
                } else {
                    *fid.lost.entry(format!("{schema}.{prop}")).or_default() += 1;
                }
            }
        }
    })?;
    Ok(fid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::input::BytesInput;

    #[test]
    fn counts_what_is_found_again_by_id_schema_and_value() {
        let original = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\",\"B\"]}}\n\
                        {\"id\":\"b\",\"schema\":\"Company\",\"properties\":{\"name\":[\"C\"]}}\n";
        let exported = "[{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}},\
                        {\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"name\":[\"C\"]}}]";
        let f = measure(&BytesInput(original.as_bytes()), &BytesInput(exported.as_bytes())).unwrap();
        assert_eq!((f.entities, f.entities_kept, f.values, f.values_kept), (2, 1, 3, 1));
        assert_eq!(f.lost.get("Person.name"), Some(&1));
        assert_eq!(f.lost.get("Company.name"), Some(&1), "another schema is not the same entity");
    }
}
