"""Tests of the offline HTML report."""
