"""Replaces README.md's check table (from its `| id | name | severity |` header to the last
row) with the table `gatecheck checks --format readme-table` printed."""
import sys

readme_path, table_path = sys.argv[1], sys.argv[2]
lines = open(readme_path).read().split("\n")
table = open(table_path).read().rstrip("\n").split("\n")
start = lines.index(table[0])
end = start
while end < len(lines) and lines[end].startswith("|"):
    end += 1
open(readme_path, "w").write("\n".join(lines[:start] + table + lines[end:]))
