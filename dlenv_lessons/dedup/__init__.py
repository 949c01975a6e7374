"""Find near-duplicate documents with MinHash and LSH, built by hand and compared with datasketch."""

# The order its notebook shows the parts in (dlenv notebook): the documents, their shingles, MinHash, LSH,
# the exact ground truth, then datasketch doing the same.
READING_ORDER = ("data", "shingles", "minhash", "lsh", "exact", "reference")
