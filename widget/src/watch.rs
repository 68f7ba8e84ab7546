//! What the first chunk draws from: a value and the functions to call when it changes.
//!
//! Leptos's `reactive_graph` did this job, but its signals, effects and owners cost the first chunk some
//! 11 KB brotli of the 60 KB it may weigh (docs/benchmarks.md). Everything the first chunk watches lives
//! as long as the page — the language, the notices, the screen, what was found — so a value here is
//! leaked once, and its handle is `Copy` like a signal and needs no owner. The screens (`lazy.rs`), which come and go,
//! keep Leptos's signals and follow these values with watchers that end with them.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

type Watcher = Rc<dyn Fn() -> bool>;

/// A handle on a value kept in this thread's [`VALUES`]: `Copy`, and `Send + Sync` as Leptos's views ask
/// of what they hold, while the value itself never leaves the widget's one thread.
pub struct Watched<T: 'static> {
    index: usize,
    value: PhantomData<fn() -> T>,
}

struct Inner<T> {
    value: RefCell<T>,
    watchers: RefCell<Vec<Watcher>>,
}

thread_local! {
    /// Every watched value, leaked: they live as long as the page.
    static VALUES: RefCell<Vec<&'static dyn Any>> = const { RefCell::new(Vec::new()) };
}

impl<T> Clone for Watched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Watched<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for Watched<T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner().value.borrow().fmt(formatter)
    }
}

impl<T: Clone> Watched<T> {
    pub fn get(&self) -> T {
        self.inner().value.borrow().clone()
    }
}

impl<T> Watched<T> {
    /// A value for the rest of the page's life.
    pub fn new(value: T) -> Self {
        let inner: &'static Inner<T> =
            Box::leak(Box::new(Inner { value: RefCell::new(value), watchers: RefCell::default() }));
        let index = VALUES.with_borrow_mut(|values| {
            values.push(inner);
            values.len() - 1
        });
        Self { index, value: PhantomData }
    }

    fn inner(&self) -> &'static Inner<T> {
        let value = VALUES.with_borrow(|values| values[self.index]);
        value.downcast_ref().expect("a Watched<T> indexes an Inner<T>")
    }

    pub fn with<R>(&self, read: impl FnOnce(&T) -> R) -> R {
        read(&self.inner().value.borrow())
    }

    pub fn set(&self, value: T) {
        *self.inner().value.borrow_mut() = value;
        self.changed();
    }

    pub fn update(&self, change: impl FnOnce(&mut T)) {
        change(&mut self.inner().value.borrow_mut());
        self.changed();
    }

    /// Calls `watcher` after every change, for as long as it returns `true`.
    ///
    /// Watchers run at once, in the order they came. One that changes the DOM it was called from (a
    /// click that moves to another screen) must put that off: see `Panel::draw_screen_soon`.
    pub fn watch(&self, watcher: impl Fn() -> bool + 'static) {
        self.inner().watchers.borrow_mut().push(Rc::new(watcher));
    }

    fn changed(&self) {
        let inner = self.inner();
        // A copy: a watcher may add watchers, or change another value.
        let watchers = inner.watchers.borrow().clone();
        let finished: Vec<Watcher> = watchers.into_iter().filter(|watcher| !watcher()).collect();
        if !finished.is_empty() {
            inner.watchers.borrow_mut().retain(|watcher| !finished.iter().any(|done| Rc::ptr_eq(done, watcher)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn watchers_hear_every_change_until_they_stop() {
        let value = Watched::new(1);
        let (every, once) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let heard = every.clone();
        value.watch(move || {
            heard.set(heard.get() + 1);
            true
        });
        let heard = once.clone();
        value.watch(move || {
            heard.set(heard.get() + 1);
            false
        });
        value.set(2);
        value.update(|value| *value += 1);
        assert_eq!(value.get(), 3);
        assert_eq!((every.get(), once.get()), (2, 1));
    }

    /// The form takes a prefill this way: the watcher empties the value it watches.
    #[wasm_bindgen_test]
    fn a_watcher_may_change_the_value_it_watches() {
        let pending = Watched::new(None::<u32>);
        let taken = Rc::new(Cell::new(0));
        let total = taken.clone();
        pending.watch(move || {
            if let Some(amount) = pending.get() {
                pending.set(None);
                total.set(total.get() + amount);
            }
            true
        });
        pending.set(Some(5));
        pending.set(Some(2));
        assert_eq!((pending.get(), taken.get()), (None, 7));
    }
}
