//! Where things go on the network screen, computed in `update` (on load, on a move, on a
//! resize), never in the draw: the regions for a terminal size, each node's cell on the
//! canvas, the labels that fit without running into each other, and the nearest node in a
//! direction.

use ratatui::layout::Rect;

use crate::tui::message::NetworkPicture;

/// Lines of the status bar kept visible under the screen.
const STATUS_LINES: u16 = 2;
/// Below this inner width the side lists go under the canvas instead of beside it.
const SIDE_BESIDE_FROM: u16 = 60;

/// The screen's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The screen with its border.
    pub frame: Rect,
    pub canvas: Rect,
    /// The brokers, components, selection and path lists (its first column or row is a rule).
    pub side: Rect,
}

/// The regions for a terminal of `size`: the side lists take a quarter of the width (24 to 44
/// columns) beside the canvas, or the last 8 rows below it on a very narrow terminal.
pub fn areas((width, height): (u16, u16)) -> Areas {
    let frame = Rect::new(0, 0, width, height.saturating_sub(STATUS_LINES));
    let inner = Rect::new(1, 1, width.saturating_sub(2), frame.height.saturating_sub(2));
    if inner.width >= SIDE_BESIDE_FROM {
        let side_w = (inner.width / 4).clamp(24, 44);
        let canvas = Rect { width: inner.width - side_w, ..inner };
        let side = Rect { x: inner.x + canvas.width, width: side_w, ..inner };
        Areas { frame, canvas, side }
    } else {
        let side_h = 8.min(inner.height / 2);
        let canvas = Rect { height: inner.height - side_h, ..inner };
        let side = Rect { y: inner.y + canvas.height, height: side_h, ..inner };
        Areas { frame, canvas, side }
    }
}

/// A label on the canvas: its first cell (from the canvas's top left) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub col: u16,
    pub row: u16,
    pub text: String,
    pub node: usize,
}

/// Each node's cell and the labels shown, for a canvas of `size` cells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placement {
    pub size: (u16, u16),
    /// Node `i`'s cell (column, row) from the canvas's top left.
    pub cells: Vec<(u16, u16)>,
    pub labels: Vec<Label>,
}

/// The cell a point in [0, 1]² (y up) falls in on a braille canvas of `w`×`h` cells spanning
/// [0, 1]²: the dot ratatui's painter picks (2×4 dots a cell), then its cell.
pub fn cell_of((x, y): (f64, f64), (w, h): (u16, u16)) -> (u16, u16) {
    let dots_x = (f64::from(w) * 2.0 - 1.0).max(0.0);
    let dots_y = (f64::from(h) * 4.0 - 1.0).max(0.0);
    let dx = (x.clamp(0.0, 1.0) * dots_x).round() as u16;
    let dy = ((1.0 - y.clamp(0.0, 1.0)) * dots_y).round() as u16;
    (dx / 2, dy / 4)
}

/// `caption` escaped for the terminal and cut to `max` characters.
pub fn short(caption: &str, max: usize) -> String {
    let safe = crate::model::text::for_terminal(caption);
    if safe.chars().count() <= max {
        return safe.into_owned();
    }
    let mut s: String = safe.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Places the nodes of `p` on a canvas of `size` and the labels that fit: `first` (the
/// selected node, then the path's and the marked one's) before the others by rank. A label
/// never covers another label or a node mark, and keeps a blank column from the next label
/// on its row; one that fits nowhere is left out, except the first, which is always shown.
pub fn place(picture: &NetworkPicture, size: (u16, u16), first: &[usize]) -> Placement {
    let nodes = &picture.nodes;
    let (width, height) = (i32::from(size.0), i32::from(size.1));
    let cells: Vec<(u16, u16)> = nodes.iter().map(|n| cell_of(n.pos, size)).collect();
    let mut taken = Grid { width, cells: vec![false; usize::from(size.0) * usize::from(size.1)] };
    for &(col, row) in &cells {
        taken.set(i32::from(col), i32::from(row));
    }
    // Labels get longer on a larger canvas.
    let max = usize::from(size.0 / 5).clamp(8, 22);
    let mut order: Vec<usize> = Vec::with_capacity(nodes.len());
    for &i in first {
        if i < nodes.len() && !order.contains(&i) {
            order.push(i);
        }
    }
    let forced = order.first().copied();
    order.extend((0..nodes.len()).filter(|i| !first.contains(i)));
    let mut labels = Vec::new();
    for i in order {
        // The selected node's label is read in full where it can be.
        let text = short(&nodes[i].caption, if Some(i) == forced { max * 2 } else { max });
        let len = text.chars().count() as i32;
        let (col, row) = (i32::from(cells[i].0), i32::from(cells[i].1));
        // Right of the mark, left of it, then centred above and below.
        let candidates =
            [(col + 2, row), (col - len - 1, row), (col - len / 2, row - 1), (col - len / 2, row + 1)];
        // Inside the canvas, on free cells, with a free cell either side (a blank between two
        // labels on a row, so that they never read as one).
        let fits = |(x, y): (i32, i32), taken: &Grid| {
            x >= 0
                && y >= 0
                && x + len <= width
                && y < height
                && (x - 1..=x + len).all(|cx| !taken.get(cx, y))
        };
        let spot = candidates.into_iter().find(|&at| fits(at, &taken)).or_else(|| {
            // The selected node's label shows even where there is no free room: on its row,
            // inside the canvas.
            (Some(i) == forced)
                .then(|| (if col + 2 + len <= width { col + 2 } else { (col - len - 1).max(0) }, row))
        });
        let Some((x, y)) = spot else { continue };
        if !(0..height).contains(&y) {
            continue;
        }
        for cx in x.max(0)..(x + len).min(width) {
            taken.set(cx, y);
        }
        labels.push(Label { col: x.max(0) as u16, row: y as u16, text, node: i });
    }
    Placement { size, cells, labels }
}

/// Which cells of the canvas hold a mark or a label; outside it nothing is held.
struct Grid {
    width: i32,
    cells: Vec<bool>,
}

impl Grid {
    fn index(&self, col: i32, row: i32) -> Option<usize> {
        (col >= 0 && row >= 0 && col < self.width).then(|| (row * self.width + col) as usize)
    }

    fn get(&self, col: i32, row: i32) -> bool {
        self.index(col, row).and_then(|i| self.cells.get(i).copied()).unwrap_or(false)
    }

    fn set(&mut self, col: i32, row: i32) {
        if let Some(cell) = self.index(col, row).and_then(|i| self.cells.get_mut(i)) {
            *cell = true;
        }
    }
}

/// A direction the selection moves in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// The node nearest to `from` in `dir`: ahead of it in that direction, preferring the one
/// least off the line (a cell is about twice as tall as wide, so rows count double).
pub fn nearest(cells: &[(u16, u16)], from: usize, dir: Direction) -> Option<usize> {
    let (fc, fr) = *cells.get(from)?;
    let score = |i: usize| {
        let (c, r) = cells[i];
        let dx = i32::from(c) - i32::from(fc);
        let dy = (i32::from(r) - i32::from(fr)) * 2;
        let (ahead, off) = match dir {
            Direction::Left => (-dx, dy),
            Direction::Right => (dx, dy),
            Direction::Up => (-dy, dx),
            Direction::Down => (dy, dx),
        };
        (ahead > 0).then_some(ahead + 2 * off.abs())
    };
    (0..cells.len()).filter(|&i| i != from).filter_map(|i| score(i).map(|s| (s, i))).min().map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::message::PictureNode;

    fn picture(points: &[(&str, (f64, f64))]) -> NetworkPicture {
        NetworkPicture {
            nodes: points
                .iter()
                .enumerate()
                .map(|(i, (caption, pos))| PictureNode {
                    id: uuid::Uuid::from_u128(i as u128),
                    schema: "Person".into(),
                    caption: (*caption).into(),
                    degree: 1,
                    betweenness: 0.0,
                    component: 0,
                    pos: *pos,
                })
                .collect(),
            ..NetworkPicture::default()
        }
    }

    #[test]
    fn labels_never_overlap_and_the_selected_one_always_shows() {
        // Three nodes on the same spot: only one label fits right, one left; the third would
        // collide and is skipped unless it is the selected one.
        let p = picture(&[
            ("Alpha", (0.5, 0.5)),
            ("Bravo", (0.5, 0.5)),
            ("Charlie", (0.5, 0.5)),
            ("Delta", (0.5, 0.5)),
            ("Echo", (0.5, 0.5)),
        ]);
        let placed = place(&p, (40, 3), &[4]);
        assert_eq!(placed.labels[0].node, 4, "the selected label first");
        let mut used = std::collections::HashSet::new();
        for l in &placed.labels {
            for c in l.col..l.col + l.text.chars().count() as u16 {
                assert!(used.insert((c, l.row)), "labels overlap at {c},{}: {:?}", l.row, placed.labels);
            }
        }
        assert!(placed.labels.len() < 5, "some labels are skipped: {:?}", placed.labels);
        // Even with no room at all, the selected label is there.
        let crowded = place(&p, (6, 1), &[2]);
        assert!(crowded.labels.iter().any(|l| l.node == 2));
    }

    #[test]
    fn arrows_go_to_the_nearest_node_in_that_direction() {
        let cells = [(10, 5), (20, 5), (2, 5), (10, 1), (11, 9)];
        assert_eq!(nearest(&cells, 0, Direction::Right), Some(1));
        assert_eq!(nearest(&cells, 0, Direction::Left), Some(2));
        assert_eq!(nearest(&cells, 0, Direction::Up), Some(3));
        assert_eq!(nearest(&cells, 0, Direction::Down), Some(4));
        assert_eq!(nearest(&cells, 1, Direction::Right), None);
    }

    #[test]
    fn the_side_lists_move_below_only_on_a_narrow_terminal() {
        let a = areas((80, 24));
        assert_eq!((a.canvas.width + a.side.width, a.canvas.height), (78, 20));
        assert!(a.side.x > a.canvas.x);
        let b = areas((50, 24));
        assert!(b.side.y > b.canvas.y);
        assert_eq!(cell_of((0.0, 1.0), (10, 5)), (0, 0));
        assert_eq!(cell_of((1.0, 0.0), (10, 5)), (9, 4));
    }
}
