"""Pure domain rules: grading, deadlines and other tables that need no database.

Nothing in this package imports Django; it is tested on its own, and the apps call it.
"""
