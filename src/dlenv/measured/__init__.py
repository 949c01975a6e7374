"""Numbers the docs quote, taken from measured runs: `record` keeps what runs wrote (docs/measured/smoke.json),
`spans` fills the READMEs' `<!-- m:LESSON.KEY -->` spans from it, so a quoted number cannot drift from a run."""
