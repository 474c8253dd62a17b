"""Benefits-realisation tracker and business-case modeller: the domain."""
