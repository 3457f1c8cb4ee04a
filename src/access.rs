//! Access control: the one place where restricted material is removed
//! before anything is rendered, indexed or exported.
