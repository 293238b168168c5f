"""Drafting a plan's catalogue entry from the plan's own text (issue #31): read the document, find its targets in
the running text and the tables, name their indicators, propose the header, and check and add the result.

`documents` reads a file into blocks, `numbers` finds quantities, `targets` and `tables` propose targets,
`naming` matches them to indicators, `header` proposes the plan's header, `draft` puts it together as YAML,
`check` lists a plan file's problems with their lines, `score` measures a draft against a hand-made plan."""
