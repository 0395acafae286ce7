//! `supervise --chain`: one tick that observes the chain in one remote call, decides
//! with a pure function, and acts (at most one safe mutation) in at most one more.

pub mod decide;
pub mod scripts;
pub mod tick;
