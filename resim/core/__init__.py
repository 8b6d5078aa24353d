"""Leaf utilities every stage uses: errors, distributions, random streams, statistics, survival
estimates, atomic files, number formatting, great-circle distance, string enums. Imports nothing
else of resim."""
