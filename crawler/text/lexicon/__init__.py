"""Report vocabulary used to score mojibake repairs (bigrams.txt, built from the seeds)."""
