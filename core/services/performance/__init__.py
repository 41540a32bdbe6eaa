"""The registers behind the IKU and the IKU themselves: targets, records, analyses,
the LKjIP's figures and the weekly digest."""
