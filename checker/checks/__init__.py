"""Named checks that policy rules call, and the value helpers they share."""
