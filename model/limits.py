"""Every stated limit in one place, so that a mistake fails fast with a clear message
instead of exhausting memory or time. The README's "Limits" section lists them."""

from __future__ import annotations

# The one memory budget: every stage that can grow (YAML aliases, tables, analysis draws,
# the tables a query makes, the briefing) estimates its size before the work and refuses
# past this, saying which limit, what was asked for and what to do.
MEMORY_BUDGET_BYTES = 1_500_000_000

# reading a scenario file
MAX_FILE_BYTES = 16_000_000  # what the loader reads and checks in about a second
MAX_ALIAS_BYTES = 1_000_000  # of the file that aliases may repeat ("billion laughs")
MAX_DEPTH = 64  # nesting of lists and mappings
MAX_SOURCE_BYTES = 10_000_000  # in one source text (a long report is a few hundred KB)
MAX_NAME = 80  # characters in a node, state or source name
MAX_TEXT = 20_000  # characters in a label, paraphrase or quote

# what a scenario may hold
MAX_NODES = 2_000
MAX_STATES = 100  # per node
MAX_TABLE_CELLS = 1_000_000  # in one node's table (20 two-state parents: 2,097,152)
# in every table together, checked before any is built (a 20 KB file can ask for 150 tables
# of a million cells); as many numbers as an imported network may hold
MAX_TOTAL_CELLS = 10_000_000
MAX_WEIGHT = 1e6  # of one estimate in a pool
MAX_UTILITY = 1e12  # in absolute value: every expected utility stays a finite JSON number

# reading another tool's network file
MAX_IMPORT_BYTES = 50_000_000
# every table's numbers together: ~100 bytes each while a network loads (its rows, their
# check, the arrays), so the largest stays well inside MEMORY_BUDGET_BYTES
MAX_IMPORT_NUMBERS = 10_000_000
# elements, attributes and comments of an XML network file (XMLBIF, XDSL), counted as they
# are parsed: 2,000 nodes of 100 states take about 500,000; only what a reader knows is
# built, at most ~500 bytes each
MAX_IMPORT_ELEMENTS = 1_000_000

# answering
MAX_QUERY_CELLS = 50_000_000  # in one table a query makes: 400 MB of float64
MAX_SAMPLES = 1_000_000  # draws of the uncertain numbers in one analysis
MAX_INFERENCE_SAMPLES = 10_000_000  # weighted samples of one approximate query
MAX_DRIVER_COMBINATIONS = 1_000_000  # past this the most likely scenarios are not listed
MAX_VARIANTS = 100_000  # variants of one sweep (the product of its --vary steps and readings)

# drawing
# A renderer (the system `dot` or the WebAssembly one) gets this long for one diagram, plus
# a little per node and link, at most the maximum; the seed's diagrams take a tenth of a
# second, a 2,000-node network about 11 s of `dot`.
GRAPHVIZ_TIMEOUT_S = 5.0
GRAPHVIZ_TIMEOUT_PER_LINE_S = 0.01
GRAPHVIZ_TIMEOUT_MAX_S = 60.0
