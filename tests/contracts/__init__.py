"""Tests of the contract harness itself: declarations and forged signatures."""
