//! The network screen: a case's network, or an entity's ego network, drawn full screen with
//! its brokers and components beside it. The selection moves between nodes with the arrows
//! (the nearest node that way) and Tab (by rank); Enter opens the node in the panes; `m` on
//! one node then on another draws the path between them, found by the same search as `p`.
//!
//! The store work (loading, measuring, laying out) runs on the worker; label placement runs
//! here, on load, on a move and on a resize, so that a frame only copies what is placed.

pub mod place;

use uuid::Uuid;

use crate::analysis::path::PathStep;
use crate::model::schema::{Category, Schema};
use crate::tui::action::Action;
use crate::tui::message::{Effect, Loaded, NetworkOf, NetworkPicture, Query};
use crate::tui::requests::{load_detail, pivot};
use crate::tui::state::{EntitiesView, Pane, Popup, State};
pub use place::{Areas, Direction, Label, Placement, areas};

/// Hops of an ego network when it opens.
pub const EGO_HOPS: u8 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkScreen {
    pub of: NetworkOf,
    pub ticket: u64,
    pub picture: Option<Box<NetworkPicture>>,
    /// Why the network could not be shown.
    pub error: Option<String>,
    /// The selected node (an index into the picture's nodes).
    pub selected: usize,
    /// The path between the marked entity and another, once asked for.
    pub path: Option<ShownPath>,
    pub path_ticket: u64,
    pub placement: Placement,
    /// The screen's own keys are listed over the canvas.
    pub help: bool,
}

/// A path asked for from the network screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownPath {
    pub from: (Uuid, String),
    pub to: (Uuid, String),
    /// `None` while the store searches; `Some(None)`: no chain within the search's bounds.
    pub steps: Option<Option<Vec<PathStep>>>,
    /// The drawn node of each record along the path (the start first), if drawn.
    pub nodes: Vec<Option<usize>>,
}

impl NetworkScreen {
    pub fn title(&self) -> String {
        match &self.of {
            NetworkOf::Case { reference, .. } => format!("Network of case {reference}"),
            NetworkOf::Entity { caption, hops, .. } => {
                let hops = if *hops == 1 { "1 hop" } else { "2 hops" };
                format!("Ego network of {caption} · {hops}")
            }
        }
    }

    /// The selected node's id and caption.
    pub fn current(&self) -> Option<(Uuid, String)> {
        let n = self.picture.as_ref()?.nodes.get(self.selected)?;
        Some((n.id, n.caption.clone()))
    }

    /// The drawn node of record `id`.
    pub fn node_of(&self, id: Uuid) -> Option<usize> {
        self.picture.as_ref()?.nodes.iter().position(|n| n.id == id)
    }

    /// The edges of the path, as pairs of drawn nodes (hops with an end not drawn left out).
    pub fn path_edges(&self) -> Vec<(usize, usize)> {
        let Some(p) = &self.path else { return Vec::new() };
        p.nodes.windows(2).filter_map(|w| Some((w[0]?, w[1]?))).collect()
    }
}

fn screen(state: &mut State) -> Option<&mut NetworkScreen> {
    match &mut state.popup {
        Some(Popup::Network(n)) => Some(n),
        _ => None,
    }
}

/// Opens the network of what the analyst points at: the selected case from the cases pane,
/// else the selected entity's ego network, else the selected case's.
pub fn open(state: &mut State) -> Vec<Effect> {
    let entity = if state.focus == Pane::Cases { None } else { state.selected_entity() };
    let of = match (entity, state.current_case()) {
        (Some((id, caption)), _) => NetworkOf::Entity { id, caption, hops: EGO_HOPS },
        (None, Some(case)) => NetworkOf::Case { id: case.id, reference: case.reference.clone() },
        (None, None) => {
            state.error("Select a case or an entity first: its network opens.");
            return Vec::new();
        }
    };
    state.message = None;
    state.popup = Some(Popup::Network(Box::new(NetworkScreen {
        of,
        ticket: 0,
        picture: None,
        error: None,
        selected: 0,
        path: None,
        path_ticket: 0,
        placement: Placement::default(),
        help: false,
    })));
    ask(state)
}

/// Asks the worker for the screen's network (a "loading…" line shows meanwhile).
fn ask(state: &mut State) -> Vec<Effect> {
    let ticket = state.ticket();
    let Some(n) = screen(state) else { return Vec::new() };
    n.ticket = ticket;
    n.picture = None;
    n.error = None;
    n.path = None;
    n.placement = Placement::default();
    vec![Effect::Query(ticket, Query::Network(n.of.clone()))]
}

/// True when `ticket` is a question of the network screen (the dispatcher routes its answer).
pub fn waits_for(state: &State, ticket: u64) -> bool {
    matches!(&state.popup, Some(Popup::Network(n)) if n.ticket == ticket || n.path_ticket == ticket)
}

/// Takes in the network or a path asked for by this screen.
pub fn loaded(state: &mut State, ticket: u64, loaded: Loaded) -> Vec<Effect> {
    let size = state.size;
    let Some(n) = screen(state) else { return Vec::new() };
    match loaded {
        Loaded::Network(picture) if ticket == n.ticket => {
            n.selected = picture.center.unwrap_or(0);
            n.picture = Some(picture);
        }
        Loaded::Path { from, steps, .. } if ticket == n.path_ticket => {
            let mut ids = vec![from];
            ids.extend(steps.iter().flatten().map(|s| s.to.id));
            let nodes = ids.into_iter().map(|id| n.node_of(id)).collect();
            let said = match &steps {
                Some(s) => format!("Path of {} links, highlighted and listed beside.", s.len()),
                None => "No chain of links within the search's bounds.".to_owned(),
            };
            if let Some(p) = &mut n.path {
                p.nodes = nodes;
                p.steps = Some(steps);
            }
            replace(n, size);
            state.info(said);
            return Vec::new();
        }
        _ => return Vec::new(),
    }
    replace(n, size);
    Vec::new()
}

/// A query of this screen failed: it says why instead of loading forever.
pub fn failed(state: &mut State, message: &str) {
    if let Some(n) = screen(state) {
        if n.picture.is_none() {
            n.error = Some(message.to_owned());
        } else if let Some(p) = n.path.as_mut().filter(|p| p.steps.is_none()) {
            p.steps = Some(None);
        }
    }
}

/// The terminal changed size: labels are placed again for the new canvas.
pub fn resized(state: &mut State) {
    let size = state.size;
    if let Some(n) = screen(state) {
        replace(n, size);
    }
}

/// Places nodes and labels for the canvas of a terminal of `size`: the selected node's label
/// first, then the path's and the marked node's, then by rank.
fn replace(n: &mut NetworkScreen, size: (u16, u16)) {
    let Some(p) = &n.picture else { return };
    let canvas = areas(size).canvas;
    let mut first = vec![n.selected];
    if let Some(path) = &n.path {
        first.extend(path.nodes.iter().flatten());
    }
    n.placement = place::place(p, (canvas.width, canvas.height), &first);
}

pub fn update(state: &mut State, action: &Action) -> Vec<Effect> {
    let size = state.size;
    let Some(n) = screen(state) else { return Vec::new() };
    if n.help {
        if matches!(action, Action::Help | Action::Cancel | Action::Quit | Action::Open) {
            n.help = false;
        }
        return Vec::new();
    }
    let count = n.picture.as_ref().map_or(0, |p| p.nodes.len());
    let moved = match action {
        Action::NodeLeft | Action::NodeRight | Action::NodeUp | Action::NodeDown => {
            let dir = match action {
                Action::NodeLeft => Direction::Left,
                Action::NodeRight => Direction::Right,
                Action::NodeUp => Direction::Up,
                _ => Direction::Down,
            };
            place::nearest(&n.placement.cells, n.selected, dir)
        }
        Action::NodeNext if count > 0 => Some((n.selected + 1) % count),
        Action::NodePrev if count > 0 => Some((n.selected + count - 1) % count),
        Action::SelectFirst if count > 0 => Some(0),
        Action::SelectLast if count > 0 => Some(count - 1),
        _ => None,
    };
    if let Some(i) = moved {
        n.selected = i;
        replace(n, size);
        return Vec::new();
    }
    match action {
        Action::Help => n.help = true,
        Action::Cancel | Action::Network | Action::Quit => state.popup = None,
        Action::Refresh => return ask(state),
        Action::ToggleHops => {
            if let NetworkOf::Entity { hops, .. } = &mut n.of {
                *hops = if *hops == 1 { 2 } else { 1 };
                return ask(state);
            }
            state.info("Hops apply to an entity's ego network: open it from the entity.");
        }
        Action::Open => return open_node(state),
        Action::Mark => return mark(state),
        Action::ShowPath => {
            let here = n.current();
            let (Some(from), Some(to)) = (state.marked.clone(), here) else {
                state.error("Mark the first entity with m, select the second, then press p (or m).");
                return Vec::new();
            };
            return ask_path(state, from, to);
        }
        _ => {}
    }
    Vec::new()
}

/// `m`: marks the selected node; with another entity already marked (and its path not yet
/// drawn), draws the path from it to the selected node instead.
fn mark(state: &mut State) -> Vec<Effect> {
    let size = state.size;
    let marked = state.marked.clone();
    let Some(n) = screen(state) else { return Vec::new() };
    let Some(here) = n.current() else { return Vec::new() };
    let drawn_from_mark = n.path.as_ref().is_some_and(|p| Some(&p.from.0) == marked.as_ref().map(|m| &m.0));
    match marked {
        Some(from) if from.0 != here.0 && !drawn_from_mark => ask_path(state, from, here),
        _ => {
            n.path = None;
            replace(n, size);
            state.info(format!("Marked {}: select another node and press m for the path.", here.1));
            state.marked = Some(here);
            Vec::new()
        }
    }
}

/// Asks for the shortest chain from `from` to `to`, as `p` in the panes does (same search, same
/// filter).
fn ask_path(state: &mut State, from: (Uuid, String), to: (Uuid, String)) -> Vec<Effect> {
    let ticket = state.ticket();
    let filter = state.entities.path_filter.clone();
    let size = state.size;
    let Some(n) = screen(state) else { return Vec::new() };
    n.path_ticket = ticket;
    let nodes = vec![n.node_of(from.0), n.node_of(to.0)];
    let query = Query::Path { from: from.0, to: to.0, filter };
    n.path = Some(ShownPath { from, to, steps: None, nodes });
    replace(n, size);
    vec![Effect::Query(ticket, query)]
}

/// Enter: back in the panes on the node, as a search hit opens: an entity becomes the centre
/// of the entities pane, anything else shows in the detail pane.
fn open_node(state: &mut State) -> Vec<Effect> {
    let Some(n) = screen(state) else { return Vec::new() };
    let Some(node) = n.picture.as_ref().and_then(|p| p.nodes.get(n.selected)).cloned() else {
        return Vec::new();
    };
    state.popup = None;
    state.focus = Pane::Detail;
    let kind = Schema::builtin().kind(&node.schema).ok();
    if kind.is_some_and(|k| k.category == Category::Entity) {
        let view = EntitiesView::Neighbourhood { center: node.id, caption: node.caption, hops: 1 };
        return pivot(state, view);
    }
    load_detail(state, node.id)
}
