"""Test populations made independently of yiwang.simulate, to evaluate linking on mess it did not make."""
