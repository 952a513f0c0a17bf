//! Prompts are decoded to 8 kHz PCM before the engine starts, so that playing one in a
//! tick is a copy, never a decode, a file read or an allocation.

use crate::messages::PromptId;
use std::sync::Arc;

#[derive(Debug, Default, Clone)]
pub struct PromptStore {
    names: Vec<String>,
    samples: Vec<Arc<[i16]>>,
}

impl PromptStore {
    pub fn add(&mut self, name: &str, samples: Vec<i16>) -> PromptId {
        let id = PromptId(self.samples.len() as u16);
        self.names.push(name.to_owned());
        self.samples.push(samples.into());
        id
    }

    pub fn find(&self, name: &str) -> Option<PromptId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| PromptId(i as u16))
    }

    pub fn samples(&self, id: PromptId) -> Option<&[i16]> {
        self.samples.get(id.0 as usize).map(|s| &s[..])
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}
