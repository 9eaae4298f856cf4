"""The conformance suite: one pytest module per spec area.

Run it with ``pytest --pyargs scim_tests.checks --scim-url URL --scim-token TOKEN`` or
``pytest --pyargs scim_tests.checks --scim-mock``.
"""
