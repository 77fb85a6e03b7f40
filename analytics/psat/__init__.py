"""PSAT: quarterly and event pulse surveys with single-use links, anonymous option, results by segment."""
