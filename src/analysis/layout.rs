//! A deterministic 2-D layout of a graph, shared by the SVG link chart and the workbench's
//! network screen: where each node is drawn, in the unit square.
//!
//! Written here rather than taken from a crate: `rustworkx-core` (already a dependency) has no
//! layout (its spring layout lives in the Python binding), and the layout crates found
//! (`force_graph`, `forceatlas2`, `graph-layout`) either pull a second, old `petgraph` (0.5),
//! are animation loops with an anchor/velocity model rather than a one-shot layout, or are
//! unmaintained 0.0.x releases. Fruchterman–Reingold is ~150 lines and its behaviour
//! (determinism, no NaN, speed bound) is easier to guarantee when we own it.
//!
//! How: each connected component is laid out on its own (Fruchterman–Reingold, seeded start
//! positions, linear cooling; repulsion exact for small components and through a grid of
//! cells of side 2k for large ones, as in the original paper; then nodes nearer than 1.3k
//! (or 0.6 of the median link) are pushed apart so hubs' neighbours do not pile into one
//! blot), then components are packed side by side, largest first, each in a square whose
//! area grows with its size; isolated nodes follow in rows of cells below them. Everything
//! is in a fixed order with a fixed seed, so the same graph always gives the same picture
//! (a chart printed twice must not move).

use std::collections::HashMap;

use rustworkx_core::petgraph::graph::UnGraph;
use rustworkx_core::petgraph::visit::EdgeRef;

/// Components above this size use the grid for repulsion (only nodes in neighbouring cells
/// push each other); below it every pair is counted, which is exact and still cheap.
const GRID_ABOVE: usize = 250;
/// Fixed seed of the start positions: the layout is a function of the graph alone.
const SEED: u64 = 0x4c69_6169_736f_6e21;

/// Positions of the nodes of `graph` in [0,1]² (index = node index). Same graph ⇒ same
/// positions; no NaN; connected components side by side, the largest first; isolated nodes
/// in a tidy block after them.
pub fn layout<N, E>(graph: &UnGraph<N, E>) -> Vec<(f64, f64)> {
    let n = graph.node_count();
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![(0.5, 0.5)];
    }
    let adjacency = adjacency(graph);
    let components = components(&adjacency);

    // Units where each node has about one square: a component of m nodes gets a square of
    // side √m, a loner a 1×1 cell.
    let mut singles = Vec::new();
    // (side of its square, node indices, local positions in [0,1]²)
    let mut blocks: Vec<(f64, Vec<usize>, Vec<(f64, f64)>)> = Vec::new();
    for comp in components {
        if comp.len() == 1 {
            singles.push(comp[0]);
        } else {
            let local = force_directed(&comp, &adjacency);
            blocks.push(((comp.len() as f64).sqrt(), comp, local));
        }
    }

    // Shelf packing: rows of squares left to right, a row as wide as the square of the total
    // area allows (so the whole is roughly square); loners in rows of cells below.
    let total_area: f64 = blocks.iter().map(|b| b.0 * b.0).sum::<f64>() + singles.len() as f64;
    let row_width = total_area.sqrt().max(blocks.iter().map(|b| b.0).fold(0.0, f64::max)).max(1.0);
    let mut placed = Vec::with_capacity(blocks.len());
    let (mut x, mut y, mut row_height, mut width) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for (side, _, _) in &blocks {
        if x > 0.0 && x + side > row_width * 1.0001 {
            y += row_height;
            x = 0.0;
            row_height = 0.0;
        }
        placed.push((x, y));
        x += side;
        width = width.max(x);
        row_height = row_height.max(*side);
    }
    y += row_height;
    let cols = (width.max(row_width).floor() as usize).max(1);
    let singles_at: Vec<(f64, f64)> =
        (0..singles.len()).map(|i| ((i % cols) as f64 + 0.5, y + (i / cols) as f64 + 0.5)).collect();
    if !singles.is_empty() {
        width = width.max(singles.len().min(cols) as f64);
        y += singles.len().div_ceil(cols) as f64;
    }
    let height = y;
    let scale = 1.0 / width.max(height);
    // Centre the whole drawing in the unit square.
    let (off_x, off_y) = ((1.0 - width * scale) / 2.0, (1.0 - height * scale) / 2.0);
    let to_unit =
        |px: f64, py: f64| ((off_x + px * scale).clamp(0.0, 1.0), (off_y + py * scale).clamp(0.0, 1.0));

    let mut out = vec![(0.5, 0.5); n];
    for ((side, nodes, local), (bx, by)) in blocks.iter().zip(placed) {
        // Room left around a component so two never touch: half a node's cell each side.
        let pad = 0.5_f64.min(side / 4.0);
        for (&node, &(lx, ly)) in nodes.iter().zip(local) {
            out[node] = to_unit(bx + pad + (side - 2.0 * pad) * lx, by + pad + (side - 2.0 * pad) * ly);
        }
    }
    for (&node, &(px, py)) in singles.iter().zip(&singles_at) {
        out[node] = to_unit(px, py);
    }
    out
}

/// Neighbours of each node, without self-loops, in edge order (parallel edges count once).
fn adjacency<N, E>(graph: &UnGraph<N, E>) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); graph.node_count()];
    for e in graph.edge_references() {
        let (a, b) = (e.source().index(), e.target().index());
        if a != b {
            adj[a].push(b);
            adj[b].push(a);
        }
    }
    for list in &mut adj {
        list.sort_unstable();
        list.dedup();
    }
    adj
}

/// Connected components, largest first (ties: the one with the smallest node index first);
/// nodes of each in index order.
fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut seen = vec![false; adj.len()];
    let mut out = Vec::new();
    for start in 0..adj.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut comp = vec![start];
        let mut i = 0;
        while i < comp.len() {
            for &m in &adj[comp[i]] {
                if !seen[m] {
                    seen[m] = true;
                    comp.push(m);
                }
            }
            i += 1;
        }
        comp.sort_unstable();
        out.push(comp);
    }
    // Stable sort keeps index order among components of equal size.
    out.sort_by_key(|c| std::cmp::Reverse(c.len()));
    out
}

/// SplitMix64: a tiny fixed generator, so start positions never change with a crate update.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Fruchterman–Reingold on one connected component (≥ 2 nodes); positions normalised to
/// [0,1]² keeping the aspect ratio.
fn force_directed(comp: &[usize], adj: &[Vec<usize>]) -> Vec<(f64, f64)> {
    let m = comp.len();
    let local: HashMap<usize, usize> = comp.iter().enumerate().map(|(i, &g)| (g, i)).collect();
    let edges: Vec<(usize, usize)> = comp
        .iter()
        .enumerate()
        .flat_map(|(i, &g)| adj[g].iter().map(|o| local[o]).filter(move |&j| j > i).map(move |j| (i, j)))
        .collect();

    let mut rng = SEED ^ (m as u64).wrapping_mul(0x1000_0000_01b3);
    let mut pos: Vec<(f64, f64)> = (0..m).map(|_| (splitmix(&mut rng), splitmix(&mut rng))).collect();
    let k = (1.0 / m as f64).sqrt();
    let k2 = k * k;
    let iterations: u32 = if m <= 100 { 300 } else { 120 };
    let t0 = 0.1;
    let mut disp = vec![(0.0_f64, 0.0_f64); m];

    for it in 0..iterations {
        let temp = t0 * (1.0 - f64::from(it) / f64::from(iterations)) + 1e-4;
        disp.fill((0.0, 0.0));

        let push = |i: usize, j: usize, pos: &[(f64, f64)], disp: &mut [(f64, f64)]| {
            let (mut dx, mut dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
            let mut d2 = dx * dx + dy * dy;
            if d2 < 1e-18 {
                // Two nodes on one spot: part them along a direction fixed by their indices.
                let a = (i * 7 + j * 13) as f64;
                dx = a.cos() * 1e-6;
                dy = a.sin() * 1e-6;
                d2 = 1e-12;
            }
            // f_r = k²/d along the unit vector: (dx,dy)·k²/d².
            let f = k2 / d2;
            disp[i].0 += dx * f;
            disp[i].1 += dy * f;
            disp[j].0 -= dx * f;
            disp[j].1 -= dy * f;
        };
        if m <= GRID_ABOVE {
            for i in 0..m {
                for j in i + 1..m {
                    push(i, j, &pos, &mut disp);
                }
            }
        } else {
            // Grid of cells of side 2k: only nodes in the same or a neighbouring cell repel
            // (Fruchterman–Reingold's own speed-up); each pair once, from the lower index.
            let cell = 2.0 * k;
            let key = |p: (f64, f64)| ((p.0 / cell).floor() as i64, (p.1 / cell).floor() as i64);
            let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
            for (i, &p) in pos.iter().enumerate() {
                grid.entry(key(p)).or_default().push(i);
            }
            for i in 0..m {
                let (cx, cy) = key(pos[i]);
                for gx in cx - 1..=cx + 1 {
                    for gy in cy - 1..=cy + 1 {
                        if let Some(cellmates) = grid.get(&(gx, gy)) {
                            for &j in cellmates {
                                if j > i {
                                    let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                                    if dx * dx + dy * dy < cell * cell {
                                        push(i, j, &pos, &mut disp);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for &(i, j) in &edges {
            let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
            // f_a = d²/k along the unit vector: (dx,dy)·d/k.
            let f = (dx * dx + dy * dy).sqrt() / k;
            disp[i].0 -= dx * f;
            disp[i].1 -= dy * f;
            disp[j].0 += dx * f;
            disp[j].1 += dy * f;
        }
        for (p, d) in pos.iter_mut().zip(&disp) {
            let len = (d.0 * d.0 + d.1 * d.1).sqrt();
            if len > 0.0 && len.is_finite() {
                let step = len.min(temp) / len;
                p.0 += d.0 * step;
                p.1 += d.1 * step;
            }
        }
    }
    // The gap is bounded by the typical link length: a large sparse component settles with
    // long links and close non-neighbours, and spreading it to 1.3k would stretch its links
    // until neighbours are no nearer than strangers.
    let mut lengths: Vec<f64> = edges
        .iter()
        .map(|&(i, j)| ((pos[i].0 - pos[j].0).powi(2) + (pos[i].1 - pos[j].1).powi(2)).sqrt())
        .collect();
    lengths.sort_by(f64::total_cmp);
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(k);
    spread(&mut pos, (1.3 * k).min(0.6 * median));
    normalise(&mut pos);
    pos
}

/// Pushes apart nodes nearer than `gap` (Fruchterman–Reingold packs hubs' neighbours into a
/// dense core where symbols and labels overlap): each too-close pair moves apart by half its
/// shortfall, a few rounds, pairs found through a grid of cells of side `gap`.
fn spread(pos: &mut [(f64, f64)], gap: f64) {
    let key = |p: (f64, f64)| ((p.0 / gap).floor() as i64, (p.1 / gap).floor() as i64);
    for _ in 0..30 {
        let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        for (i, &p) in pos.iter().enumerate() {
            grid.entry(key(p)).or_default().push(i);
        }
        let mut moved = false;
        for i in 0..pos.len() {
            let (cx, cy) = key(pos[i]);
            for gx in cx - 1..=cx + 1 {
                for gy in cy - 1..=cy + 1 {
                    let Some(cellmates) = grid.get(&(gx, gy)) else { continue };
                    for &j in cellmates {
                        if j <= i {
                            continue;
                        }
                        let (mut dx, mut dy) = (pos[j].0 - pos[i].0, pos[j].1 - pos[i].1);
                        let mut d = (dx * dx + dy * dy).sqrt();
                        if d >= gap {
                            continue;
                        }
                        if d < 1e-12 {
                            let a = (i * 7 + j * 13) as f64;
                            (dx, dy, d) = (a.cos(), a.sin(), 1.0);
                        }
                        let push = (gap - d) / 2.0 / d;
                        pos[i].0 -= dx * push;
                        pos[i].1 -= dy * push;
                        pos[j].0 += dx * push;
                        pos[j].1 += dy * push;
                        moved = true;
                    }
                }
            }
        }
        if !moved {
            break;
        }
    }
}

/// Scales positions into [0,1]² keeping the aspect ratio, centred.
fn normalise(pos: &mut [(f64, f64)]) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in pos.iter() {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let span = (x1 - x0).max(y1 - y0);
    if !(span.is_finite() && span > 0.0) {
        pos.fill((0.5, 0.5));
        return;
    }
    let (ox, oy) = ((1.0 - (x1 - x0) / span) / 2.0, (1.0 - (y1 - y0) / span) / 2.0);
    for p in pos.iter_mut() {
        *p = (ox + (p.0 - x0) / span, oy + (p.1 - y0) / span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph a chart meets: a few clusters joined by brokers, a pair, and loners.
    fn sample(n_clusters: usize, size: usize, loners: usize) -> UnGraph<(), ()> {
        let mut g = UnGraph::new_undirected();
        let mut rng = 7_u64;
        let mut nodes = Vec::new();
        for c in 0..n_clusters {
            let first = nodes.len();
            for _ in 0..size {
                nodes.push(g.add_node(()));
            }
            for i in 1..size {
                // A tree plus a few chords inside the cluster.
                let parent = first + (splitmix(&mut rng) * i as f64) as usize;
                g.add_edge(nodes[first + i], nodes[parent], ());
                if splitmix(&mut rng) < 0.3 {
                    let other = first + (splitmix(&mut rng) * size as f64) as usize;
                    g.add_edge(nodes[first + i], nodes[other], ());
                }
            }
            if c > 0 {
                g.add_edge(nodes[first], nodes[first - size], ());
            }
        }
        let a = g.add_node(());
        let b = g.add_node(());
        g.add_edge(a, b, ());
        for _ in 0..loners {
            g.add_node(());
        }
        g
    }

    fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
        ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
    }

    #[test]
    fn same_graph_same_picture() {
        let g = sample(4, 20, 5);
        assert_eq!(layout(&g), layout(&g));
    }

    #[test]
    fn every_node_inside_the_unit_square_and_never_nan() {
        for g in [sample(1, 2, 0), sample(3, 15, 7), sample(2, 300, 3), sample(0, 0, 9)] {
            let pos = layout(&g);
            assert_eq!(pos.len(), g.node_count());
            for (x, y) in pos {
                assert!((0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y), "({x}, {y})");
            }
        }
        assert!(layout(&UnGraph::<(), ()>::new_undirected()).is_empty());
    }

    #[test]
    fn linked_nodes_are_drawn_nearer_than_average() {
        for g in [sample(3, 25, 4), sample(2, 300, 0)] {
            let pos = layout(&g);
            let edge_mean = g
                .edge_references()
                .map(|e| dist(pos[e.source().index()], pos[e.target().index()]))
                .sum::<f64>()
                / g.edge_count() as f64;
            let n = pos.len();
            let mut all = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    all += dist(pos[i], pos[j]);
                }
            }
            let pair_mean = all / (n * (n - 1) / 2) as f64;
            assert!(edge_mean * 1.5 < pair_mean, "edges {edge_mean} vs pairs {pair_mean}");
        }
    }

    #[test]
    fn no_two_nodes_on_one_spot() {
        for g in [sample(3, 25, 10), sample(1, 600, 2)] {
            let pos = layout(&g);
            let mut min = f64::MAX;
            for i in 0..pos.len() {
                for j in i + 1..pos.len() {
                    min = min.min(dist(pos[i], pos[j]));
                }
            }
            assert!(min > 1e-4, "two nodes {min} apart");
        }
    }

    #[test]
    fn components_side_by_side_and_loners_apart() {
        // Two triangles and a loner: no node of one triangle inside the other's bounding box.
        let mut g = UnGraph::<(), ()>::new_undirected();
        let n: Vec<_> = (0..7).map(|_| g.add_node(())).collect();
        for (a, b) in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)] {
            g.add_edge(n[a], n[b], ());
        }
        let pos = layout(&g);
        let bbox = |ids: &[usize]| {
            let xs = ids.iter().map(|&i| pos[i].0);
            let ys = ids.iter().map(|&i| pos[i].1);
            (
                xs.clone().fold(f64::MAX, f64::min),
                xs.fold(f64::MIN, f64::max),
                ys.clone().fold(f64::MAX, f64::min),
                ys.fold(f64::MIN, f64::max),
            )
        };
        let inside =
            |p: (f64, f64), b: (f64, f64, f64, f64)| p.0 >= b.0 && p.0 <= b.1 && p.1 >= b.2 && p.1 <= b.3;
        let (t1, t2) = (bbox(&[0, 1, 2]), bbox(&[3, 4, 5]));
        for i in [3, 4, 5, 6] {
            assert!(!inside(pos[i], t1), "node {i} inside the first triangle");
        }
        for i in [0, 1, 2, 6] {
            assert!(!inside(pos[i], t2), "node {i} inside the second triangle");
        }
    }

    /// Speed figure for benches/README.md (release: `cargo test --release --lib
    /// layout_speed -- --ignored --nocapture`); the bound is the brief's, printed, and
    /// asserted only in this opt-in run.
    #[test]
    #[ignore = "timing figure, run in release"]
    fn layout_speed() {
        for (clusters, size, limit) in [(10, 50, 0.5), (40, 50, 2.0)] {
            let g = sample(clusters, size, 0);
            let start = std::time::Instant::now();
            let pos = layout(&g);
            let secs = start.elapsed().as_secs_f64();
            println!("layout of {} nodes, {} edges: {secs:.3} s", pos.len(), g.edge_count());
            assert!(secs <= limit, "{secs} s > {limit} s");
        }
    }
}
