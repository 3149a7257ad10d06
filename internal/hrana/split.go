package hrana

// multiStatement reports whether sql holds more than one statement: a
// semicolon outside quotes and comments with more than blanks and comments
// after it. The server runs a single statement per "execute" request, so
// such text goes as a "sequence".
func multiStatement(sql string) bool {
	sawEnd := false
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			continue
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i += 2
			for i+1 < len(sql) && !(sql[i] == '*' && sql[i+1] == '/') {
				i++
			}
			i++
			continue
		}
		if sawEnd {
			if c == ';' {
				continue
			}
			return true
		}
		switch c {
		case ';':
			sawEnd = true
		case '\'', '"', '`':
			i = skipQuoted(sql, i, c)
		case '[':
			i = skipQuoted(sql, i, ']')
		}
	}
	return false
}

// skipQuoted returns the index of the quote closing the one at open; a
// doubled quote inside is an escaped one and does not close it.
func skipQuoted(sql string, open int, quote byte) int {
	for i := open + 1; i < len(sql); i++ {
		if sql[i] == quote {
			if quote != ']' && i+1 < len(sql) && sql[i+1] == quote {
				i++
				continue
			}
			return i
		}
	}
	return len(sql)
}
