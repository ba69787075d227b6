/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder until the CLI lands */
int main(void)
{
	return 0;
}
