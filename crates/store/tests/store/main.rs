//! The store's tests, one binary: on SQLite files in temporary folders or, with
//! `RELAIS_TEST_STORE=postgres`, on PostgreSQL (`support`); `postgres` always on PostgreSQL.

mod channels;
mod events;
mod postgres;
mod purge;
mod review;
mod support;
