//! Communities (the cells of a network) by Louvain modularity optimisation (Blondel et al.
//! 2008), as NetworkX's `louvain_communities`: move each node to the neighbouring community
//! that raises modularity most, until none moves; fold each community into one node; repeat
//! until folding changes nothing.
//!
//! Written here rather than taken from a crate: rustworkx-core (our graph crate) has no
//! community detection; of the crates that do (checked 2026-11), graphrs keeps its own graph
//! keyed by node names (a copy of a million-node store graph into string keys), and leiden-rs
//! and rust-igraph are young alpha releases with one maintainer. Louvain is short; it is
//! checked here against modularity computed independently and in tests/analysis/network_networkx.rs
//! against NetworkX's own Louvain on the demo cases and generated graphs.

/// A weighted undirected graph in compressed rows: the neighbours of `i` are
/// `adj[off[i]..off[i + 1]]`, each edge stored from both ends; self-loops apart.
struct Level {
    off: Vec<usize>,
    adj: Vec<(u32, f64)>,
    /// Weight of each node's self-loop (edges folded inside it).
    inner: Vec<f64>,
    /// Weighted degree (a self-loop counts twice, as NetworkX's degree does).
    degree: Vec<f64>,
}

impl Level {
    fn from_edges(n: usize, edges: impl Iterator<Item = (u32, u32, f64)> + Clone) -> Level {
        let mut count = vec![0usize; n + 1];
        let mut inner = vec![0.0; n];
        for (a, b, _) in edges.clone() {
            if a != b {
                count[a as usize + 1] += 1;
                count[b as usize + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let off = count.clone();
        let mut fill = count;
        let mut adj = vec![(0u32, 0.0f64); off[n]];
        let mut degree = vec![0.0; n];
        for (a, b, w) in edges {
            if a == b {
                inner[a as usize] += w;
                degree[a as usize] += 2.0 * w;
            } else {
                adj[fill[a as usize]] = (b, w);
                fill[a as usize] += 1;
                adj[fill[b as usize]] = (a, w);
                fill[b as usize] += 1;
                degree[a as usize] += w;
                degree[b as usize] += w;
            }
        }
        Level { off, adj, inner, degree }
    }

    fn len(&self) -> usize {
        self.degree.len()
    }
}

/// A small seeded generator (splitmix64): the node order of each pass, reproducible.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Moves nodes between communities until none improves modularity; returns each node's
/// community (numbered densely) and whether anything moved.
// The letters of the paper's notation (node i, community c, degree k, graph g).
#[allow(clippy::many_single_char_names)]
fn one_level(g: &Level, m2: f64, rng: &mut Mix) -> (Vec<u32>, bool) {
    let n = g.len();
    let mut comm: Vec<u32> = (0..n as u32).collect();
    let mut tot = g.degree.clone();
    let mut weight_to = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut moved_any = false;
    loop {
        let mut moved = 0usize;
        for &i in &order {
            let i = i as usize;
            let own = comm[i] as usize;
            let k = g.degree[i];
            for &(j, w) in &g.adj[g.off[i]..g.off[i + 1]] {
                let c = comm[j as usize];
                if weight_to[c as usize] == 0.0 {
                    touched.push(c);
                }
                weight_to[c as usize] += w;
            }
            tot[own] -= k;
            // Gain of joining c (up to a common factor): w(i, c) − tot(c)·k / 2m.
            let mut best = own;
            let mut best_gain = weight_to[own] - tot[own] * k / m2;
            for &c in &touched {
                let c = c as usize;
                let gain = weight_to[c] - tot[c] * k / m2;
                if gain > best_gain + 1e-12 {
                    best = c;
                    best_gain = gain;
                }
            }
            tot[best] += k;
            if best != own {
                comm[i] = best as u32;
                moved += 1;
            }
            for &c in &touched {
                weight_to[c as usize] = 0.0;
            }
            touched.clear();
        }
        if moved == 0 {
            break;
        }
        moved_any = true;
    }
    // Dense numbering, in order of first node.
    let mut renumber = vec![u32::MAX; n];
    let mut next = 0;
    for c in &mut comm {
        if renumber[*c as usize] == u32::MAX {
            renumber[*c as usize] = next;
            next += 1;
        }
        *c = renumber[*c as usize];
    }
    (comm, moved_any)
}

/// Each node's community, by Louvain with node order seeded by `seed`. Communities are
/// numbered by size, largest first (ties: the one holding the lowest node first).
pub fn louvain(n: usize, edges: &[(u32, u32)], seed: u64) -> Vec<u32> {
    let mut of: Vec<u32> = (0..n as u32).collect();
    if edges.is_empty() {
        return number_by_size(&of);
    }
    let mut level = Level::from_edges(n, edges.iter().map(|&(a, b)| (a, b, 1.0)));
    let m2: f64 = level.degree.iter().sum();
    let mut rng = Mix(seed);
    loop {
        let (comm, moved) = one_level(&level, m2, &mut rng);
        if !moved {
            break;
        }
        for c in &mut of {
            *c = comm[*c as usize];
        }
        let k = comm.iter().max().map_or(0, |m| *m as usize + 1);
        // Fold: edges between communities summed (pairs listed from both ends, so halved
        // by taking a < b only), inner weights become self-loops.
        let mut folded: std::collections::HashMap<(u32, u32), f64> = std::collections::HashMap::new();
        for i in 0..level.len() {
            let ci = comm[i];
            if level.inner[i] > 0.0 {
                *folded.entry((ci, ci)).or_default() += level.inner[i];
            }
            for &(j, w) in &level.adj[level.off[i]..level.off[i + 1]] {
                if (i as u32) < j {
                    let cj = comm[j as usize];
                    *folded.entry((ci.min(cj), ci.max(cj))).or_default() += w;
                }
            }
        }
        let mut list: Vec<(u32, u32, f64)> = folded.into_iter().map(|((a, b), w)| (a, b, w)).collect();
        list.sort_by_key(|x| (x.0, x.1));
        level = Level::from_edges(k, list.into_iter());
    }
    number_by_size(&of)
}

fn number_by_size(of: &[u32]) -> Vec<u32> {
    let k = of.iter().max().map_or(0, |m| *m as usize + 1);
    let mut size = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, c) in of.iter().enumerate() {
        size[*c as usize] += 1;
        first[*c as usize] = first[*c as usize].min(i);
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|a, b| size[*b].cmp(&size[*a]).then(first[*a].cmp(&first[*b])));
    let mut rank = vec![0u32; k];
    for (r, c) in order.into_iter().enumerate() {
        rank[c] = r as u32;
    }
    of.iter().map(|c| rank[*c as usize]).collect()
}

/// Newman's modularity of a partition of an unweighted graph: Σ_c L_c/m − (d_c/2m)².
pub fn modularity(n: usize, edges: &[(u32, u32)], of: &[u32]) -> f64 {
    if edges.is_empty() {
        return 0.0;
    }
    let k = of.iter().max().map_or(0, |m| *m as usize + 1);
    let mut inside = vec![0.0f64; k];
    let mut degree = vec![0.0f64; k];
    let mut node_degree = vec![0.0f64; n];
    for &(a, b) in edges {
        node_degree[a as usize] += 1.0;
        node_degree[b as usize] += 1.0;
        if of[a as usize] == of[b as usize] {
            inside[of[a as usize] as usize] += 1.0;
        }
    }
    for (i, d) in node_degree.iter().enumerate() {
        degree[of[i] as usize] += d;
    }
    let m = edges.len() as f64;
    (0..k).map(|c| inside[c] / m - (degree[c] / (2.0 * m)).powi(2)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two triangles joined by one edge: the two triangles, modularity 5/14.
    #[test]
    fn two_triangles_are_two_communities() {
        let edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)];
        let of = louvain(6, &edges, 1);
        assert_eq!(of[0], of[1]);
        assert_eq!(of[1], of[2]);
        assert_eq!(of[3], of[4]);
        assert_ne!(of[0], of[3]);
        assert!((modularity(6, &edges, &of) - 5.0 / 14.0).abs() < 1e-12);
    }

    #[test]
    fn lone_nodes_are_their_own_communities() {
        let of = louvain(3, &[], 1);
        assert_eq!(of, vec![0, 1, 2]);
        assert!(modularity(3, &[], &of).abs() < 1e-12);
    }

    /// A ring of ten 5-cliques: Louvain finds the cliques (the known optimum for a ring of
    /// this size), so every clique is one community.
    #[test]
    fn ring_of_cliques_is_found() {
        let mut edges = Vec::new();
        for c in 0..10u32 {
            for a in 0..5 {
                for b in a + 1..5 {
                    edges.push((c * 5 + a, c * 5 + b));
                }
            }
            edges.push((c * 5 + 4, ((c + 1) % 10) * 5));
        }
        let of = louvain(50, &edges, 7);
        for c in 0..10 {
            assert!((0..5).all(|a| of[c * 5 + a] == of[c * 5]), "clique {c} split: {of:?}");
        }
        assert_eq!(of.iter().max(), Some(&9));
    }
}
