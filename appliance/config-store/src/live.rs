//! A value the running configuration decides, shared by its readers and replaced whole
//! when a configuration is applied live (apply, rollback, restore).
//!
//! Readers take the current value with [`Live::get`], an `Arc` they keep for as long as
//! they work with it (a request, a rendering): a replacement made meanwhile does not
//! change what they hold, the next `get` sees it. The one who applies configurations
//! calls [`Live::set`]. A read or a replacement holds the lock only to clone or swap the
//! `Arc`.

use std::sync::{Arc, PoisonError, RwLock};

pub struct Live<T> {
    current: Arc<RwLock<Arc<T>>>,
}

impl<T> Live<T> {
    pub fn new(value: T) -> Live<T> {
        Live {
            current: Arc::new(RwLock::new(Arc::new(value))),
        }
    }

    /// The value now.
    pub fn get(&self) -> Arc<T> {
        // Nothing runs under the lock that could panic half-way (a clone or a swap of an
        // `Arc`), so a poisoned lock still holds a whole value.
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }

    /// Replaces the value for every later [`Live::get`], through every clone.
    pub fn set(&self, value: T) {
        let value = Arc::new(value);
        let previous = {
            let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *current, value)
        };
        // Dropped outside the lock.
        drop(previous);
    }
}

impl<T> Clone for Live<T> {
    fn clone(&self) -> Live<T> {
        Live {
            current: Arc::clone(&self.current),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Live").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clone_sees_a_replacement_and_what_a_reader_holds_stays_as_it_was() {
        let live = Live::new(vec!["resolved"]);
        let reader = live.clone();
        let held = reader.get();
        live.set(vec!["resolved", "callback-promised"]);
        assert_eq!(*held, vec!["resolved"], "taken before the replacement");
        assert_eq!(*reader.get(), vec!["resolved", "callback-promised"]);
        assert_eq!(*live.get(), vec!["resolved", "callback-promised"]);
    }

    #[test]
    fn readers_on_other_threads_see_the_value_set() {
        let live = Live::new(20_000_u64);
        let reader = live.clone();
        std::thread::spawn(move || live.set(5_000))
            .join()
            .expect("the setter's thread");
        assert_eq!(*reader.get(), 5_000);
    }
}
