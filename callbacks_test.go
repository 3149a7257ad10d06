//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type assocAuthor struct {
	ID   uint
	Name string
}

// assocByline holds a belongs-to relationship inside an embedded struct.
type assocByline struct {
	AuthorID uint
	Author   assocAuthor
}

type assocPost struct {
	ID     uint
	Title  string
	Byline assocByline `gorm:"embedded"`
	Notes  []assocNote
}

type assocNote struct {
	ID          uint
	AssocPostID uint
	Text        string
}

// The dialect runs GORM's association callbacks only for models with
// relationships: every kind of them, embedded ones too, is still saved and
// deleted as GORM does.
func TestAssociationCallbacksRunForModelsWithRelationships(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&assocAuthor{}, &assocPost{}, &assocNote{}))

	post := assocPost{Title: "t", Byline: assocByline{Author: assocAuthor{Name: "ann"}}, Notes: []assocNote{{Text: "a"}, {Text: "b"}}}
	require.NoError(t, db.Create(&post).Error)
	assert.NotZero(t, post.Byline.AuthorID, "the embedded belongs-to was saved first")
	var authors, notes int64
	require.NoError(t, db.Model(&assocAuthor{}).Where("name = ?", "ann").Count(&authors).Error)
	assert.Equal(t, int64(1), authors)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Equal(t, int64(2), notes, "the has-many was saved after")

	post.Notes = append(post.Notes, assocNote{Text: "c"})
	require.NoError(t, db.Save(&post).Error)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Equal(t, int64(3), notes, "an update saves new associated rows")

	require.NoError(t, db.Select("Notes").Delete(&post).Error)
	require.NoError(t, db.Model(&assocNote{}).Where("assoc_post_id = ?", post.ID).Count(&notes).Error)
	assert.Zero(t, notes, "Select(\"Notes\").Delete deletes the has-many first")
}
