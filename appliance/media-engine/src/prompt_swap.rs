//! Replacing the engine's prompt store while it runs (a configuration applied live).
//!
//! The engine thread must never free memory, so the store it lets go of must not be the
//! last reference: the swapper keeps every store it has replaced until the engine says
//! (by its `prompts_generation` counter) that it plays from a later one, and frees those
//! on the caller's thread at the next swap.

use crate::messages::EngineCommand;
use crate::prompts::PromptStore;
use crate::queues::{CommandSender, QueueFull};
use crate::stats::EngineStats;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// Hands the engine new prompt stores; cheap to clone, any thread.
#[derive(Clone)]
pub struct PromptSwapper {
    commands: CommandSender,
    stats: Arc<EngineStats>,
    inner: Arc<Mutex<SwapState>>,
}

struct SwapState {
    current: Arc<PromptStore>,
    generation: u64,
    /// Stores replaced, each with the generation that replaced it.
    retired: Vec<(u64, Arc<PromptStore>)>,
}

impl PromptSwapper {
    pub(crate) fn new(
        commands: CommandSender,
        stats: Arc<EngineStats>,
        current: Arc<PromptStore>,
    ) -> PromptSwapper {
        PromptSwapper {
            commands,
            stats,
            inner: Arc::new(Mutex::new(SwapState {
                current,
                generation: 0,
                retired: Vec::new(),
            })),
        }
    }

    /// The store calls started from now should resolve prompts in.
    pub fn current(&self) -> Arc<PromptStore> {
        match self.inner.lock() {
            Ok(state) => Arc::clone(&state.current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner().current),
        }
    }

    /// Makes `store` the engine's from its next tick. Stores the engine has already let
    /// go of are freed here, on this thread.
    pub fn replace(&self, store: Arc<PromptStore>) -> Result<(), QueueFull> {
        let mut state = match self.inner.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        let applied = self.stats.prompts_generation.load(Ordering::Acquire);
        state
            .retired
            .retain(|(replaced_by, _)| *replaced_by > applied);
        let generation = state.generation + 1;
        self.commands.send(EngineCommand::ReplacePrompts {
            store: Arc::clone(&store),
            generation,
        })?;
        let old = std::mem::replace(&mut state.current, store);
        state.retired.push((generation, old));
        state.generation = generation;
        Ok(())
    }

    /// How many replaced stores are still held for the engine (tests).
    pub fn retired(&self) -> usize {
        match self.inner.lock() {
            Ok(state) => state.retired.len(),
            Err(poisoned) => poisoned.into_inner().retired.len(),
        }
    }
}
