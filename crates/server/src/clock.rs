//! Where the server's times come from: the time of every event it stamps (and of the
//! checks made against event times, such as how long a closed transcript stays readable)
//! is read from one [`Clock`], the system's by default. A simulation gives the server a
//! clock it moves itself, to place conversations over past days; agents' sessions and
//! logins keep the system time, since they are not conversation events.

use std::fmt;
use std::sync::Arc;

/// A source of "now", in ms since the Unix epoch; cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system's clock ([`crate::now_ms`]).
    pub fn system() -> Self {
        Clock(Arc::new(crate::now_ms))
    }

    /// A clock that reads `now`, e.g. a time a simulation sets.
    pub fn from_fn(now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    /// Now, in ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock({})", self.now_ms())
    }
}
