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

    /// The prompt of that name; after [`PromptStore::extended_by`], its newest version.
    pub fn find(&self, name: &str) -> Option<PromptId> {
        self.names
            .iter()
            .rposition(|n| n == name)
            .map(|i| PromptId(i as u16))
    }

    /// This store with `fresh`'s prompts added where they are new or changed. Every id
    /// of this store stays valid and plays what it played: calls that resolved prompts
    /// before a live change keep hearing them, while `find` gives the new versions. The
    /// samples are shared, not copied. Prompts beyond the id space are left out (65 536
    /// versions: a restart starts afresh).
    pub fn extended_by(&self, fresh: &PromptStore) -> PromptStore {
        let mut store = self.clone();
        for (name, samples) in fresh.names.iter().zip(&fresh.samples) {
            let unchanged = store
                .find(name)
                .and_then(|id| store.samples(id))
                .is_some_and(|old| old == &samples[..]);
            if !unchanged && store.samples.len() < usize::from(u16::MAX) {
                store.names.push(name.clone());
                store.samples.push(Arc::clone(samples));
            }
        }
        store
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extending_keeps_old_ids_and_finds_new_versions() {
        let mut old = PromptStore::default();
        let welcome = old.add("welcome", vec![1, 2, 3]);
        let bye = old.add("bye", vec![4]);
        let mut fresh = PromptStore::default();
        fresh.add("bye", vec![4]);
        fresh.add("welcome", vec![9, 9]);
        fresh.add("menu", vec![5]);
        let store = old.extended_by(&fresh);
        // Old ids still play the old audio (calls in progress).
        assert_eq!(store.samples(welcome), Some(&[1, 2, 3][..]));
        assert_eq!(store.samples(bye), Some(&[4][..]));
        // Unchanged prompts keep their id; changed and new ones are found anew.
        assert_eq!(store.find("bye"), Some(bye));
        let new_welcome = store.find("welcome").expect("welcome");
        assert_ne!(new_welcome, welcome);
        assert_eq!(store.samples(new_welcome), Some(&[9, 9][..]));
        assert_eq!(
            store.samples(store.find("menu").expect("menu")),
            Some(&[5][..])
        );
        assert_eq!(store.len(), 4);
    }
}
