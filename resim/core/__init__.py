"""Leaf utilities every stage uses: errors, distributions, random streams, statistics, survival
estimates, atomic files, number formatting, great-circle distance. Imports nothing else of resim."""
