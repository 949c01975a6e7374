"""Find near-duplicate documents with MinHash and LSH, built by hand and compared with datasketch."""
